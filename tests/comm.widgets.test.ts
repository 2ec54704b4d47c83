/**
 * Comm target `proxyrm` on the kernel side (kernel-ext/src/kernel/widgets.ts): every incoming
 * message is checked against comm-messages.ts, and anything wrong (not an object, unknown type,
 * a missing or extra field, a bad score, an unknown widget, a handler that throws) comes back as
 * one `error` message while the kernel carries on.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KernelMessage } from "../kernel-ext/src/comm-messages";
import { checkFrontendMessage } from "../kernel-ext/src/kernel/comm-validate";
import { answer, registerWidget } from "../kernel-ext/src/kernel/widgets";

function fakeComm() {
  const sent: KernelMessage[] = [];
  return { sent, comm: { closed: false, send: (m: unknown) => void sent.push(m as KernelMessage) } };
}

async function reply(data: unknown): Promise<KernelMessage[]> {
  const { sent, comm } = fakeComm();
  await answer(comm, data, "9.9.9");
  return sent;
}

describe("comm message validation", () => {
  it("accepts each well-formed frontend message", () => {
    for (const msg of [
      { type: "hello" },
      { type: "hello", client: "lab 1.0" },
      { type: "label.next", widget: "w1" },
      { type: "label.submit", widget: "w1", response_id: "r1", score: 0 },
      { type: "label.submit", widget: "w1", response_id: "r1", score: 5, note: "fine" },
      { type: "lasso.select", widget: "x", response_ids: [] },
      { type: "lasso.select", widget: "x", response_ids: ["a", "b"] },
    ]) {
      assert.deepEqual(checkFrontendMessage(msg), { ok: true, message: msg });
    }
  });

  it("refuses malformed ones with a one-line reason", () => {
    const cases: [unknown, RegExp][] = [
      [null, /JSON object/],
      ["hello", /JSON object/],
      [[{ type: "hello" }], /JSON object/],
      [{}, /unknown message type null/],
      [{ type: "label.delete", widget: "w" }, /unknown message type "label.delete"/],
      [{ type: "label.next" }, /missing field "widget"/],
      [{ type: "label.next", widget: "" }, /"widget" must be a non-empty string/],
      [{ type: "label.submit", widget: "w", response_id: "r", score: 6 }, /"score" must be an integer 0..5/],
      [{ type: "label.submit", widget: "w", response_id: "r", score: 2.5 }, /"score" must be an integer 0..5/],
      [{ type: "label.submit", widget: "w", response_id: "r", score: "3" }, /"score" must be an integer 0..5/],
      [{ type: "label.submit", widget: "w", response_id: "r", score: 3, note: "x".repeat(4001) }, /"note" must be a string of at most 4000/],
      [{ type: "label.submit", widget: "w", response_id: "r", score: 3, extra: 1 }, /unexpected field "extra"/],
      [{ type: "lasso.select", widget: "w", response_ids: "a,b" }, /"response_ids" must be an array/],
      [{ type: "lasso.select", widget: "w", response_ids: ["a", 7] }, /only non-empty strings/],
    ];
    for (const [data, pattern] of cases) {
      const checked = checkFrontendMessage(data);
      assert.equal(checked.ok, false, JSON.stringify(data));
      if (!checked.ok) {
        assert.match(checked.error, pattern);
        assert.ok(!checked.error.includes("\n"));
      }
    }
  });
});

describe("comm target proxyrm", () => {
  it("answers hello with the version", async () => {
    assert.deepEqual(await reply({ type: "hello", client: "t" }), [{ type: "hello", version: "9.9.9" }]);
  });

  it("answers a bad message with an error naming the request and widget", async () => {
    assert.deepEqual(await reply({ type: "label.submit", widget: "w9", response_id: "r", score: 9 }), [
      { type: "error", message: 'label.submit: "score" must be an integer 0..5', request: "label.submit", widget: "w9" },
    ]);
    const [unknownWidget] = await reply({ type: "label.next", widget: "nobody" });
    assert.equal(unknownWidget.type, "error");
    assert.match((unknownWidget as { message: string }).message, /no widget "nobody"/);
  });

  it("routes a widget's messages to its handler, and a throwing or rejecting handler becomes an error", async () => {
    const seen: unknown[] = [];
    const off = registerWidget("t-route", (msg) => {
      seen.push(msg);
      if (msg.type === "lasso.select") return { type: "lasso.ack", widget: "t-route", count: msg.response_ids.length, unlabelled: 0 };
      if (msg.type === "label.next") throw new Error("no run open\nsecond line dropped");
      return Promise.reject(new Error("journal full"));
    });
    try {
      assert.deepEqual(await reply({ type: "lasso.select", widget: "t-route", response_ids: ["a", "b"] }), [{ type: "lasso.ack", widget: "t-route", count: 2, unlabelled: 0 }]);
      assert.deepEqual(await reply({ type: "label.next", widget: "t-route" }), [{ type: "error", message: "no run open", request: "label.next", widget: "t-route" }]);
      assert.deepEqual(await reply({ type: "label.submit", widget: "t-route", response_id: "r", score: 1 }), [{ type: "error", message: "journal full", request: "label.submit", widget: "t-route" }]);
      assert.equal(seen.length, 3);
    } finally {
      off();
    }
    assert.equal((await reply({ type: "label.next", widget: "t-route" }))[0].type, "error", "unregistered");
  });
});
