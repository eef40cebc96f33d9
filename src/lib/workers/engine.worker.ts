import { expose } from 'comlink';
import { browserEnv } from './browser-env';
import { createEngineApi } from './engine.api';

expose(createEngineApi(browserEnv));
