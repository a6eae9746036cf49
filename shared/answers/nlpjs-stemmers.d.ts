/** The nlp.js Snowball stemmers carry no types; each module exports one class. */
declare module '@nlpjs/lang-el/src/stemmer-el.js' {
  export default class StemmerEl {
    stemWord(word: string): string;
  }
}
declare module '@nlpjs/lang-ru/src/stemmer-ru.js' {
  export default class StemmerRu {
    stemWord(word: string): string;
  }
}
declare module '@nlpjs/lang-en-min/src/stemmer-en.js' {
  export default class StemmerEn {
    stemWord(word: string): string;
  }
}
