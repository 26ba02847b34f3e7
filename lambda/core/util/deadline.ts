export class DeadlineExceeded extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/**
 * `work`, or a DeadlineExceeded rejection after `ms`, whichever comes first.
 *
 * When the process was too busy to look (a long synchronous stretch, hundreds of calls at once),
 * the timer and the answer are both due when it looks again, and Node runs timers before it reads
 * sockets: the verdict waits one more turn (setImmediate runs after the sockets are read), so an
 * answer that had already arrived wins instead of counting as a timeout.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let turn: NodeJS.Immediate | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      turn = setImmediate(() => reject(new DeadlineExceeded(ms)));
    }, ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    clearImmediate(turn);
  }
}
