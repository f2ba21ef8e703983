/**
 * The event loop stays responsive while the component syncs 2,000 messages in a worker: a
 * 10 ms `setInterval` on the main thread is never more than 50 ms late. The mailbox holds more
 * than 2,000 messages in the sync's scope (spam and trash are out of it); the first sync is
 * bounded to the newest 2,000.
 */
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { test } from "node:test";
import { EmailManager, sandboxPolicy } from "../src/index.js";
import { connect, syncToEnd } from "./connect.js";
import { Sandbox } from "./sandbox.js";

const MESSAGES = 2000;
const TICK_MS = 10;

test(`a first sync of ${MESSAGES} messages leaves the event loop responsive`, async () => {
  const sandbox = await Sandbox.start({ messages: MESSAGES + MESSAGES / 4, seed: 3 });
  const manager = await EmailManager.start({ policy: sandboxPolicy(sandbox.baseUrl), workers: 2 });
  try {
    const { app, account } = await connect(manager, sandbox, "google");
    let worst = 0;
    let ticks = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last - TICK_MS);
      last = now;
      ticks += 1;
    }, TICK_MS);
    const started = performance.now();
    const busy = performance.eventLoopUtilization();
    const { ids, pages } = await syncToEnd(manager, app, account, { maxMessages: MESSAGES });
    const seconds = (performance.now() - started) / 1000;
    const main = performance.eventLoopUtilization(busy);
    clearInterval(timer);
    console.log(
      `event loop: worst timer delay ${worst.toFixed(1)} ms over ${ticks} ticks of ${TICK_MS} ms during a ${seconds.toFixed(2)} s first sync ` +
        `of ${ids.size} messages (${pages} pages); main thread busy ${main.active.toFixed(0)} ms (${(main.utilization * 100).toFixed(1)} %)`,
    );
    assert.equal(ids.size, MESSAGES);
    assert.ok(ticks > seconds * 20, `the timer ran (${ticks} ticks)`);
    assert.ok(worst < 50, `worst timer delay ${worst.toFixed(1)} ms`);
  } finally {
    await manager.close();
    await sandbox.stop();
  }
});
