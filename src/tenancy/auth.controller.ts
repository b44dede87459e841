import { Body, Controller, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { TenancyService } from './tenancy.service';
import { LoginDto, SignupDto } from './tenancy.dto';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly tenancy: TenancyService) {}

  @Post('signup')
  signup(@Body() body: SignupDto, @Ip() ip: string) {
    return this.tenancy.signup(body, ip);
  }

  @Post('login')
  @HttpCode(200)
  login(@Body() body: LoginDto, @Ip() ip: string) {
    return this.tenancy.login(body.email, body.password, ip);
  }
}
