import { MetaSendApiGateway } from '../meta/send-api.gateway';

/** Instagram Direct replies go through Meta's Send API, which Messenger shares. */
export class InstagramGateway extends MetaSendApiGateway {}
