import { describe, expect, it } from "vitest";
import { formatBytes } from "./ModelsPage";

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1.0 KiB"],
    [98_362_432, "93.8 MiB"],
    [5 * 1024 ** 3, "5.0 GiB"],
  ])("%d bytes is %s", (n, want) => {
    expect(formatBytes(n)).toBe(want);
  });
});
