import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeCursor, firstPage, nextCursor } from "../../src/federation/cursor.js";

/** Simulated upstreams: each has pages of tool names; its cursor is the next page's index as a string. */
const upstreams = [[["a1", "a2"], ["a3"]], [], [["c1"], ["c2"], ["c3"]]] as const;

function page(index: number, cursor: string | undefined): { items: readonly string[]; next?: string } {
  const pages = upstreams[index]!;
  const at = cursor === undefined ? 0 : Number(cursor);
  return { items: pages[at] ?? [], ...(at + 1 < pages.length ? { next: String(at + 1) } : {}) };
}

describe("gateway cursors across upstreams", () => {
  it("walks every page of every upstream in order, skipping an empty upstream, and then ends", () => {
    const seen: string[] = [];
    let position = firstPage();
    for (let guard = 0; guard < 20; guard++) {
      const { items, next } = page(position.i, position.c);
      seen.push(...items);
      const cursor = nextCursor(position.i, next, upstreams.length);
      if (cursor === undefined) break;
      position = decodeCursor(cursor, upstreams.length);
    }
    assert.deepEqual(seen, ["a1", "a2", "a3", "c1", "c2", "c3"]);
  });

  it("starts at the first upstream's first page", () => {
    assert.deepEqual(firstPage(), { i: 0 });
  });

  it("continues in the same upstream while it has a next cursor, passing that cursor back untouched", () => {
    const cursor = nextCursor(1, "upstream-opaque==", 3);
    assert.deepEqual(decodeCursor(cursor!, 3), { i: 1, c: "upstream-opaque==" });
  });

  it("moves to the next upstream's first page when one is exhausted, and ends after the last", () => {
    assert.deepEqual(decodeCursor(nextCursor(0, undefined, 3)!, 3), { i: 1 });
    assert.equal(nextCursor(2, undefined, 3), undefined);
    assert.equal(nextCursor(0, undefined, 1), undefined);
  });

  it("produces an opaque base64url cursor", () => {
    assert.match(nextCursor(0, "x/y+z", 2)!, /^[A-Za-z0-9_-]+$/);
  });

  it("rejects anything that is not one of its cursors as invalid params (-32602)", () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const bad = [
      "",
      "not base64!",
      Buffer.from("not json").toString("base64url"),
      encode(null),
      encode([0]),
      encode({ i: -1 }),
      encode({ i: 1.5 }),
      encode({ i: "0" }),
      encode({ i: 0, c: 5 }),
      encode({ i: 0, extra: true }),
    ];
    for (const cursor of bad) {
      assert.throws(() => decodeCursor(cursor, 3), { code: "MCPGW_ERR_INVALID_CURSOR", jsonRpcCode: -32602 }, cursor);
    }
  });

  it("rejects a cursor that points past the upstreams now listed (config changed, or another subject's list)", () => {
    const cursor = nextCursor(2, "p2", 3)!;
    assert.deepEqual(decodeCursor(cursor, 3), { i: 2, c: "p2" });
    assert.throws(() => decodeCursor(cursor, 2), { code: "MCPGW_ERR_INVALID_CURSOR" });
  });
});
