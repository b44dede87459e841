import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsString, MaxLength } from 'class-validator';
import { PROCESSING_PURPOSES, ProcessingPurpose } from '../../../libs/policy/src';
import { INTEGRATION_EVENT_TYPES, IntegrationEventType } from '../core/event-subject';

export class CreateWebhookSubscriptionDto {
  @ApiProperty({
    example: 'https://hooks.zapier.com/hooks/catch/123456/abcdef/',
    description: 'Where deliveries are POSTed: https, a public host, no credentials in the URL (verify the signature instead).',
  })
  @IsString()
  @MaxLength(2048)
  url: string;

  @ApiProperty({ enum: INTEGRATION_EVENT_TYPES, isArray: true, example: ['message.created'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(INTEGRATION_EVENT_TYPES.length)
  @IsIn(INTEGRATION_EVENT_TYPES, { each: true })
  events: IntegrationEventType[];

  @ApiProperty({
    enum: PROCESSING_PURPOSES,
    example: 'service_delivery',
    description:
      'What the receiver does with the data; fixed for the life of the subscription. Purpose limitation applies to every event: data from ' +
      'Messenger, Instagram and WhatsApp is never delivered for advertising, ad_targeting, profiling, eligibility_decision, surveillance, sale ' +
      'or data_brokerage (the delivery is withheld and the denial audited), and reaches customer_export only for contacts with a recorded ' +
      'data_export consent, crm_sync only with a crm_enrichment consent (PUT /api/contacts/{id}/consents). surveillance, sale and data_brokerage are refused for every origin (422 PURPOSE_NOT_PERMITTED).',
  })
  @IsIn(PROCESSING_PURPOSES)
  purpose: ProcessingPurpose;
}
