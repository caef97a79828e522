import t from 'tap';
import { LogError } from '@sigstack/merkle';
import { FulcioError } from '@sigstack/fulcio';
import type { CtLogService } from '@sigstack/ctlog';
import { inProcessCtLogClient } from '../src/ct-log-client.js';

function failing(err: unknown): CtLogService {
  return { addPreChain: async () => Promise.reject(err) } as unknown as CtLogService;
}

t.test('the engine\'s busy codes become the CtLogClient contract\'s CT_LOG_BUSY (issue 10)', async (t) => {
  for (const code of ['PUSHBACK', 'SHUTTING_DOWN'] as const) {
    const err = await inProcessCtLogClient(failing(new LogError(code, 'full'))).addPreChain([]).catch((e: unknown) => e);
    t.ok(err instanceof FulcioError, code);
    t.equal((err as FulcioError).code, 'CT_LOG_BUSY', code);
  }
  const other = new LogError('STORE_FAILED', 'disk');
  t.equal(await inProcessCtLogClient(failing(other)).addPreChain([]).catch((e: unknown) => e), other, 'other failures go on as they are');
  const sct = Buffer.from('sct');
  t.equal(await inProcessCtLogClient({ addPreChain: async () => sct } as unknown as CtLogService).addPreChain([]), sct);
});
