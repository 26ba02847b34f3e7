import { ENVIRONMENTS } from '../../lib/config/environments';
import { buildPlatform, stageTemplates } from '../support/platform-app';

const templates = stageTemplates(buildPlatform().stages);

test('every configured environment has a stage', () => {
  expect([...templates.keys()].sort()).toEqual(['Dev', 'Prod', 'Staging']);
  expect(Object.keys(ENVIRONMENTS)).toHaveLength(templates.size);
});

test.each([...templates.keys()])('%s template matches its snapshot', (stageId) => {
  expect(templates.get(stageId)!.toJSON()).toMatchSnapshot();
});
