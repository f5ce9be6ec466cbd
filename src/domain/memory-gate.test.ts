import { DecodeMemoryGate } from './memory-gate';

const settled = async () => {
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
};

describe('DecodeMemoryGate', () => {
  it('lets decodes that fit side by side run at once', async () => {
    const gate = new DecodeMemoryGate(100);

    const a = await gate.reserve(40);
    const b = await gate.reserve(60);

    expect(gate.peakBytes).toBe(100);
    a();
    b();
  });

  it('makes a decode that does not fit wait until enough is released, then admits it', async () => {
    const gate = new DecodeMemoryGate(100);
    const first = await gate.reserve(70);
    let admitted = false;
    const second = gate.reserve(70).then((release) => {
      admitted = true;
      return release;
    });

    await settled();
    expect(admitted).toBe(false);
    first();
    (await second)();

    expect(admitted).toBe(true);
    expect(gate.peakBytes).toBe(70);
  });

  it('serves waiting decodes in arrival order, so small ones never starve a big one', async () => {
    const gate = new DecodeMemoryGate(100);
    const order: string[] = [];
    const running = await gate.reserve(50);
    const big = gate.reserve(90).then((release) => (order.push('big'), release));
    const small = gate.reserve(10).then((release) => (order.push('small'), release));

    await settled();
    expect(order).toEqual([]); // the small one fits, but the big one came first
    running();
    (await big)();
    (await small)();

    expect(order).toEqual(['big', 'small']);
  });

  it('refuses a reservation larger than the whole budget, which could never be granted', async () => {
    const gate = new DecodeMemoryGate(100);

    expect(gate.fits(101)).toBe(false);
    await expect(gate.reserve(101)).rejects.toThrow(/never fit/);
  });

  it('ignores a second release of the same reservation', async () => {
    const gate = new DecodeMemoryGate(100);
    const release = await gate.reserve(100);
    release();
    release();

    const again = await gate.reserve(100);
    expect(gate.peakBytes).toBe(100);
    again();
  });
});
