import { z } from 'zod';

/**
 * zod compiles object schemas with `new Function` when it may; to find out, it tries once, and under Patchfield's
 * Content-Security-Policy (no 'unsafe-eval') that try is refused and reported as a violation. The pages parse
 * little, so they skip the compiler; the worker, which parses whole imports, has no such policy and keeps it.
 */
z.config({ jitless: true });
