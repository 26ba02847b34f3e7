import type { AuthoredPrompt } from '../../scripts/router/authored';
import { splitPrompts } from '../../scripts/router/split';

const line = (text: string, source: string, tier = 'small'): AuthoredPrompt => ({
  text,
  tier,
  hard: false,
  lang: 'en',
  source,
});

test('the evaluation set stays whole; a training line that near-duplicates it, and its source, are held out', () => {
  const evaluation = [line('How early should I get to the airport for a flight abroad?', 'e/1')];
  const sources = [
    line('How early should I get to the airport for a flight abroad, roughly?', 'a/1'),
    line('Wie früh sollte ich am Flughafen sein?', '@airport', 'small'),
    line('How early should I get to the airport for a flight abroad', '@airport'),
    line('Write a Go function that reverses a slice.', 'b/1', 'code'),
    line('What is the capital of Peru?', 'b/2'),
  ];
  const splits = splitPrompts(sources, evaluation);
  expect(splits.eval).toEqual(evaluation);
  expect(splits.heldOut.map((p) => p.source)).toEqual(['a/1', '@airport', '@airport']);
  expect([...splits.train, ...splits.tune].map((p) => p.source).sort()).toEqual(['b/1', 'b/2']);
});

test('a group in both the training sources and the evaluation set is refused', () => {
  expect(() =>
    splitPrompts([line('Rent or buy in Lyon?', '@rent')], [line('Louer ou acheter à Lyon ?', '@rent')]),
  ).toThrow('groups in both the training sources and the evaluation set: @rent');
});
