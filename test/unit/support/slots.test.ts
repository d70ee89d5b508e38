import { describe, expect, it } from 'vitest';
import { limiter } from '../../support/slots';

describe('limiter (how the boot and repair tests share the two cores)', () => {
  it('runs at most the limit at once, in the order asked, and passes results and errors through', async () => {
    const slot = limiter(2);
    let now = 0;
    let peak = 0;
    const order: number[] = [];
    const job = (n: number, ms: number) =>
      slot(async () => {
        order.push(n);
        peak = Math.max(peak, ++now);
        await new Promise((r) => setTimeout(r, ms));
        now--;
        if (n === 3) throw new Error('three failed');
        return n * 10;
      });
    const results = await Promise.allSettled([job(1, 30), job(2, 10), job(3, 10), job(4, 5)]);
    expect(peak).toBe(2);
    expect(order).toEqual([1, 2, 3, 4]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([10, 20, 'three failed', 40]);
  });
});
