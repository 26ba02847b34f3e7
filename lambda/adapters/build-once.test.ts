import { buildOnce } from './build-once';

test('one build serves every use, concurrent ones included; a failed build is tried again on the next use', async () => {
  let builds = 0;
  const attempt = buildOnce(async () => {
    builds++;
    if (builds === 1) throw new Error('secrets unreachable');
    return { built: builds };
  });
  await expect(attempt()).rejects.toThrow('secrets unreachable');
  const [a, b] = await Promise.all([attempt(), attempt()]);
  expect(a).toBe(b);
  expect(await attempt()).toBe(a);
  expect(builds).toBe(2);
});
