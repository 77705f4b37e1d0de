import { describe, expect, it } from 'vitest';
import { ConfigError, makeConfig } from '../../../shared/config/config.js';

/** The console's sign-in configuration is parsed once and fails at cold start, not at the first sign-in. */
describe('CONSOLE_SIGN_IN', () => {
  it('reads local, and cognito with its hosted UI and app client', () => {
    expect(makeConfig({ CONSOLE_SIGN_IN: 'local' }).consoleSignIn).toEqual({ mode: 'local' });
    const cognito = makeConfig({ CONSOLE_SIGN_IN: 'cognito', CONSOLE_COGNITO_DOMAIN: 'https://staff.auth.eu-west-2.amazoncognito.com', CONSOLE_CLIENT_ID: 'abc123' });
    expect(cognito.consoleSignIn).toEqual({ mode: 'cognito', domain: 'https://staff.auth.eu-west-2.amazoncognito.com', clientId: 'abc123' });
  });

  it('fails fast on an unknown mode, cognito without its settings, or a hosted UI that is no https origin', () => {
    expect(() => makeConfig({ CONSOLE_SIGN_IN: 'password' })).toThrow(ConfigError);
    expect(() => makeConfig({ CONSOLE_SIGN_IN: 'cognito', CONSOLE_CLIENT_ID: 'abc123' })).toThrow(/CONSOLE_COGNITO_DOMAIN/);
    expect(() => makeConfig({ CONSOLE_SIGN_IN: 'cognito', CONSOLE_COGNITO_DOMAIN: 'https://auth.example' })).toThrow(/CONSOLE_CLIENT_ID/);
    expect(() => makeConfig({ CONSOLE_COGNITO_DOMAIN: 'http://auth.example' })).toThrow(/https/);
    expect(() => makeConfig({ CONSOLE_COGNITO_DOMAIN: 'https://auth.example/oauth2' })).toThrow(/origin/);
  });

  it('says which variable is missing when a function that signs in has none', () => {
    expect(() => makeConfig({}).consoleSignIn).toThrow(/CONSOLE_SIGN_IN is not set/);
  });
});
