// The sandbox's simulated Twilio is the tests' fake: one implementation checks every call's path, Basic credentials and form.
export { SimulatedTwilio as FakeTwilioServer, type TwilioCall, formBody, signLikeTwilio, twilioSid } from '../../src/sandbox/platforms/simulated-twilio';
