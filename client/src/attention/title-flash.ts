/**
 * The window title while a preview waits in a hidden tab: it alternates between the KW's own
 * title and the alert text, once a second, so the tab strip catches the eye. Pure: the caller
 * ticks it and writes the result to document.title.
 */
export function flashingTitle(base: string, alert: string, tick: number, attention: boolean): string {
  if (!attention) return base;
  return tick % 2 === 0 ? `● ${alert}` : base;
}

/** Ids in `now` that were not in `before`: the previews that just arrived. */
export function arrivedIds(before: ReadonlySet<string>, now: readonly { id: string }[]): string[] {
  return now.filter((p) => !before.has(p.id)).map((p) => p.id);
}
