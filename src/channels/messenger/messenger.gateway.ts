import { MetaSendApiGateway } from '../meta/send-api.gateway';

/** Messenger replies go through Meta's Send API, which Instagram Direct shares. */
export class MessengerGateway extends MetaSendApiGateway {}
