/** `immediate` → `an immediate`, `progressive` → `a progressive`: the article English puts before a word. */
export function withArticle(word: string): string {
  return `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
}
