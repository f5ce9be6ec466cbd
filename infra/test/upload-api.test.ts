import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { arnOf, siteOriginOf, synthesize, TEST_ORIGINS } from './support/synth';

describe('upload API', () => {
  const synthesized = synthesize();
  const { stack, template, id } = synthesized;
  const userPool = () => id(stack.api.userPool);
  const client = () => id(stack.api.userPoolClient);

  it('protects POST /uploads with a JWT authorizer for the pool issuer and the app client', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Issuer: { 'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', { Ref: userPool() }]] },
        Audience: [{ Ref: client() }],
      },
    });
    const authorizerId = Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'))[0]!;
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /uploads',
      AuthorizationType: 'JWT',
      AuthorizerId: { Ref: authorizerId },
    });
  });

  it('deploys exactly the routes of the OpenAPI document (src/openapi.json), each behind the JWT authorizer', () => {
    const document = JSON.parse(readFileSync(path.resolve(__dirname, '../../src/openapi.json'), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(document.paths).flatMap(([route, item]) =>
      Object.keys(item)
        .filter((key) => ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(key))
        .map((method) => `${method.toUpperCase()} ${route}`),
    );
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((route) => route.Properties);

    expect(routes.map((route) => route.RouteKey).sort()).toEqual(documented.sort());
    expect(documented.sort()).toEqual(['DELETE /images/{imageId}', 'GET /images', 'GET /images/{imageId}', 'POST /uploads']);
    for (const route of routes) expect(route.AuthorizationType).toBe('JWT');
  });

  it('sends the read side to images-api', () => {
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((route) => route.Properties);
    const functionOf = (routeKey: string) => {
      const target = routes.find((route) => route.RouteKey === routeKey)!.Target['Fn::Join'][1][1].Ref as string;
      return integrations[target]!.Properties.IntegrationUri;
    };

    for (const routeKey of ['GET /images', 'GET /images/{imageId}', 'DELETE /images/{imageId}']) {
      expect(functionOf(routeKey)).toEqual(arnOf(id(stack.functions.imagesApi.function)));
    }
    expect(functionOf('POST /uploads')).toEqual(arnOf(id(stack.functions.upload.function)));
  });

  it('throttles the stage: 50 requests per second, bursts of 100, by default; both from context', () => {
    const custom = synthesize({ uploadAllowedOrigins: TEST_ORIGINS.join(','), apiThrottlingRateLimit: '5', apiThrottlingBurstLimit: '10' });

    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    custom.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 } });
  });

  it('invokes generate-upload-url with the payload format 2.0 event', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: arnOf(id(stack.functions.upload.function)),
      PayloadFormatVersion: '2.0',
    });
  });

  it("answers CORS preflights for the web app's origin and the configured ones, with the Authorization header allowed", () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: {
        AllowOrigins: [siteOriginOf(synthesized), ...TEST_ORIGINS],
        AllowMethods: ['GET', 'POST', 'DELETE'],
        AllowHeaders: ['authorization', 'content-type'],
        MaxAge: 3600,
      },
    });
  });

  it("allows the web app's origin alone when no other origins are configured", () => {
    const bare = synthesize({});

    const api = Object.values(bare.template.findResources('AWS::ApiGatewayV2::Api'))[0]!;
    const originals = bare.template.findResources('AWS::S3::Bucket')[bare.id(bare.stack.storage.originals)]!;

    expect(api.Properties.CorsConfiguration.AllowOrigins).toEqual([siteOriginOf(bare)]);
    expect(originals.Properties.CorsConfiguration.CorsRules[0].AllowedOrigins).toEqual([siteOriginOf(bare)]);
    expect(Annotations.fromStack(bare.stack).findWarning('*', Match.anyValue())).toEqual([]);
  });
});

describe('Cognito', () => {
  const synthesized = synthesize();
  const { stack, template, id } = synthesized;

  it("has a public app client (no secret) allowing SRP, password and refresh sign-in, sending users back only to the web app", () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      UserPoolId: { Ref: id(stack.api.userPool) },
      GenerateSecret: false,
      ExplicitAuthFlows: Match.arrayEquals(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']),
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: Match.arrayEquals(['openid', 'email']),
      CallbackURLs: [siteOriginOf(synthesized)],
      LogoutURLs: [siteOriginOf(synthesized)],
      SupportedIdentityProviders: ['COGNITO'],
      PreventUserExistenceErrors: 'ENABLED',
      AccessTokenValidity: 60,
      TokenValidityUnits: Match.objectLike({ AccessToken: 'minutes' }),
    });
  });

  it('lets only administrators create users unless selfSignUp is set, and keeps the pool on stack deletion', () => {
    const pool = template.toJSON().Resources[id(stack.api.userPool)];
    const open = synthesize({ uploadAllowedOrigins: TEST_ORIGINS.join(','), selfSignUp: 'true' });

    expect(pool.Properties.AdminCreateUserConfig).toEqual({ AllowAdminCreateUserOnly: true });
    expect(pool.DeletionPolicy).toBe('Retain');
    open.template.hasResourceProperties('AWS::Cognito::UserPool', { AdminCreateUserConfig: { AllowAdminCreateUserOnly: false } });
  });
});
