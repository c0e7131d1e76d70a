/**
 * Derives a value again only when its input changed (`same` says whether it did): a mount list,
 * its filtering and the targets' label sets, or figures parsed from a WMI answer, are redone only
 * when their source changes, not on every scrape.
 */
export function whenChanged<I, O>(same: (a: I, b: I) => boolean, derive: (input: I) => O): (input: I) => O {
  let last: { input: I; output: O } | undefined;
  return (input) => {
    if (!last || !same(last.input, input)) last = { input, output: derive(input) };
    return last.output;
  };
}

export const identical = <T>(a: T, b: T): boolean => a === b;
