import { runRouterBench } from '../bench/router.ts';
runRouterBench();
