// The sandbox's simulated outgoing mail server is the tests' sink (AUTH required, every accepted mail recorded).
export { SimulatedSmtp as SmtpSink, type SmtpStage, type SunkMail } from '../../src/sandbox/platforms/simulated-smtp';
