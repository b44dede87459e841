// The sandbox's simulated Graph API is the tests' fake: one implementation checks every call's method, path, token and body.
export { SimulatedGraph as FakeGraphServer, type GraphCall } from '../../src/sandbox/platforms/simulated-graph';
