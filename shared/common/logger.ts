/**
 * The logger shared code uses for what no caller is told (a stage skipped, a counter that could
 * not be written): Powertools' structured JSON, as the functions log. Identifiers and numbers
 * only: never a name, a phone number, an address or what a client wrote.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'comeback' });
