import { Global, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { RegionDatabases } from './region-databases';

@Global()
@Module({
  providers: [
    {
      provide: RegionDatabases,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => {
        const dbs = new RegionDatabases(config);
        await dbs.open();
        return dbs;
      },
    },
  ],
  exports: [RegionDatabases],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(private readonly dbs: RegionDatabases) {}

  async onApplicationShutdown(): Promise<void> {
    await this.dbs.close();
  }
}
