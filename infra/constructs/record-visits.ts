import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { recordVisitsRoutes } from '../../functions/record-visits/routes.ts';
import { Construct } from 'constructs';
import { clientsTable, episodesTable, visitsTable } from '../resources.ts';
import type { ClinicApi } from './clinic-api.ts';
import { ComebackFunction } from './comeback-function.ts';
import type { DataTables } from './data-tables.ts';

export interface RecordVisitsProps {
  readonly api: ClinicApi;
  readonly tables: DataTables;
}

/** `POST /visits`: a clinic's system sends visits; each updates its client's summary. */
export class RecordVisits extends Construct {
  readonly function: ComebackFunction;

  constructor(scope: Construct, id: string, props: RecordVisitsProps) {
    super(scope, id);

    this.function = new ComebackFunction(this, 'Function', {
      entry: 'functions/record-visits/handler.ts',
      description: 'Comeback: records visits sent by a clinic system and updates client summaries',
    });
    this.function.useTable(clientsTable, props.tables.table(clientsTable), 'readWrite');
    this.function.useTable(visitsTable, props.tables.table(visitsTable), 'readWrite');
    this.function.useTable(episodesTable, props.tables.table(episodesTable), 'readWrite');

    const { method, path } = recordVisitsRoutes.recordVisits;
    props.api.addRoute('RecordVisits', HttpMethod[method], path, this.function);
  }
}
