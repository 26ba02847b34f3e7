import { ENVIRONMENTS } from '../../lib/config/environments';
import { synthesizedStages } from '../support/stage-assembly';

const templates = new Map(synthesizedStages().map((stage) => [stage.name, stage.template]));

test('every configured environment has a stage', () => {
  expect([...templates.keys()].sort()).toEqual(['Dev', 'Prod', 'Staging']);
  expect(Object.keys(ENVIRONMENTS)).toHaveLength(templates.size);
});

test.each([...templates.keys()])('%s template matches its snapshot', (stageId) => {
  expect(templates.get(stageId)!.toJSON()).toMatchSnapshot();
});
