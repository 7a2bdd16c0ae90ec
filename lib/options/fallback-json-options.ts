import { IsNotEmpty, IsOptional, IsString } from 'class-validator';

/** Where the local fallback file is and how to decrypt it. */
export class FallbackJsonOptions {
  /** Path of the JSON file (plain or encrypted envelope). */
  @IsString({ message: 'fallbackJson.path must be a file path string' })
  @IsNotEmpty({ message: 'fallbackJson.path must not be empty' })
  path!: string;

  /** Name of the environment variable that holds the decryption key (base64, 32 bytes) or passphrase. */
  @IsOptional()
  @IsString({ message: 'fallbackJson.keyEnv must be the name of an environment variable' })
  keyEnv?: string;

  /** Path of a file that holds the decryption key or passphrase. */
  @IsOptional()
  @IsString({ message: 'fallbackJson.keyFile must be a file path string' })
  keyFile?: string;
}
