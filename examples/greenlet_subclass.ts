/**
 * Subclassing Greenlet: override the generator method `*_run()`, as in gevent.
 * Run: node --import tsx examples/greenlet_subclass.ts
 */
import { Greenlet, run, sleep } from '../core/index.ts';

class Ticker extends Greenlet<number> {
  constructor(
    private readonly message: string,
    private readonly times: number,
  ) {
    super();
  }

  protected override *_run() {
    for (let i = 1; i <= this.times; i++) {
      console.log(`${this.message} ${i}`);
      yield* sleep(0.01);
    }
    return this.times;
  }

  override toString() {
    return `Ticker(${JSON.stringify(this.message)})`;
  }
}

await run(function* main() {
  const g = Ticker.spawn('tick', 3); // or: const g = new Ticker('tick', 3); g.start();
  const value = yield* g.get();
  console.log(`${g} finished with ${value}`);
});
