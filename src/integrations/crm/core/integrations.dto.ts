import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsObject } from 'class-validator';
import { CRM_KINDS, CrmKind } from '../../../../libs/domain/src';
import { DisplayName } from '../../../common/display-name';

export class CreateIntegrationDto {
  @ApiProperty({ enum: CRM_KINDS, example: 'yclients' })
  @IsIn(CRM_KINDS)
  kind: CrmKind;

  @ApiProperty({ example: 'Salon YCLIENTS', maxLength: 200, description: 'Trimmed; must not be blank nor hold control or bidirectional control characters' })
  @DisplayName(200)
  name: string;

  @ApiProperty({
    type: Object,
    example: { companyId: '307626' },
    description:
      'Where and which account: {baseUrl?} for every kind (https on a public host; the vendor default when absent), plus ' +
      'yclients/altegio {companyId}; amocrm/kommo {subdomain} (the account, e.g. "acme" for acme.amocrm.ru) or {baseUrl}, and {clientId, redirectUri?} for OAuth; ' +
      'bitrix24 {baseUrl: "https://<portal>.bitrix24.ru"}.',
  })
  @IsObject()
  config: Record<string, unknown>;

  @ApiProperty({
    type: Object,
    writeOnly: true,
    example: { partnerToken: 'partner-token', userToken: 'user-token' },
    description:
      'Write-only, stored encrypted, never returned: yclients/altegio {partnerToken, userToken}; amocrm/kommo {clientSecret} (OAuth: the answer carries authorizeUrl) or {accessToken} (a long-lived token); ' +
      "bitrix24 {webhookUserId, webhookCode} (the inbound webhook URL /rest/<userId>/<code>/) and {applicationToken} (the outgoing webhook's token, checked on every event).",
  })
  @IsObject()
  credentials: Record<string, unknown>;
}
