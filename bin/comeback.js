#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it on the fly so there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
// The functions the CLI runs in process log JSON for CloudWatch; a terminal wants only their warnings.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
await import('../cli/main.ts');
