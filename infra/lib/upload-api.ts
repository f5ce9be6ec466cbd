import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

import { API_ROUTES, type ApiRoute } from '../../src/contract';

export const UPLOADS_PATH = API_ROUTES.createUpload.path;

export interface UploadApiProps {
  readonly uploadFunction: lambda.IFunction;
  /** GET /images, GET and DELETE /images/{imageId}. */
  readonly imagesFunction: lambda.IFunction;
  readonly throttling: { readonly rateLimit: number; readonly burstLimit: number };
  readonly allowedOrigins: readonly string[];
  readonly selfSignUpEnabled: boolean;
  /** The web app's URL: the only place the app client may send users back to (OAuth callback and sign-out). */
  readonly siteUrl: string;
}

/**
 * Who may ask for an upload URL: a Cognito user pool with a public app client (a browser cannot
 * keep a secret), and an HTTP API whose JWT authorizer accepts that client's tokens on
 * POST /uploads. The function additionally insists on access tokens (`token_use: access`).
 */
export class UploadApi extends Construct {
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly httpApi: apigwv2.HttpApi;
  readonly issuer: string;

  constructor(scope: Construct, id: string, props: UploadApiProps) {
    super(scope, id);

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      // Lite: sign-in with password/SRP and tokens is all the pipeline needs, and it is the
      // cheapest plan past the free tier. https://aws.amazon.com/cognito/pricing/
      featurePlan: cognito.FeaturePlan.LITE,
      selfSignUpEnabled: props.selfSignUpEnabled,
      signInAliases: { email: true },
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: false },
      // Users are data: deleting the stack must not delete the accounts.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.userPoolClient = this.userPool.addClient('WebClient', {
      generateSecret: false,
      // USER_PASSWORD_AUTH for the web app (the one password flow cognito-local serves too, so the
      // local stack tests the same sign-in), the demo and scripts; USER_SRP_AUTH for clients such
      // as Amplify that prefer it; refresh tokens are always allowed.
      authFlows: { userSrp: true, userPassword: true },
      // The web app is the only place users are sent back to: its origin is the app client's one
      // callback and sign-out URL, for the authorization code flow (with PKCE) of Cognito's hosted
      // pages once a domain is added. The web app itself signs in through the API, which needs none.
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
        callbackUrls: [props.siteUrl],
        logoutUrls: [props.siteUrl],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      enableTokenRevocation: true,
    });

    // Cognito access tokens carry `client_id`, not `aud`; API Gateway checks whichever is present
    // against the audience list. https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
    this.issuer = `https://cognito-idp.${Aws.REGION}.amazonaws.com/${this.userPool.userPoolId}`;
    const authorizer = new HttpJwtAuthorizer('CognitoAuthorizer', this.issuer, {
      jwtAudience: [this.userPoolClient.userPoolClientId],
    });

    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: `${Stack.of(this).stackName}-uploads`,
      description: 'Image uploads (POST /uploads) and the read side (GET /images, GET and DELETE /images/{imageId})',
      // API Gateway answers the browser's preflight itself, before the authorizer.
      // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html
      corsPreflight:
        props.allowedOrigins.length > 0
          ? {
              allowOrigins: [...props.allowedOrigins],
              allowMethods: [apigwv2.CorsHttpMethod.GET, apigwv2.CorsHttpMethod.POST, apigwv2.CorsHttpMethod.DELETE],
              allowHeaders: ['authorization', 'content-type'],
              maxAge: Duration.hours(1),
            }
          : undefined,
    });
    const route = (apiRoute: ApiRoute, integration: HttpLambdaIntegration) =>
      this.httpApi.addRoutes({ path: apiRoute.path, methods: [apiRoute.method as apigwv2.HttpMethod], integration, authorizer });
    route(API_ROUTES.createUpload, new HttpLambdaIntegration('GenerateUploadUrl', props.uploadFunction));
    const images = new HttpLambdaIntegration('ImagesApi', props.imagesFunction);
    route(API_ROUTES.listImages, images);
    route(API_ROUTES.getImage, images);
    route(API_ROUTES.deleteImage, images);

    // Stage-wide throttling: API Gateway answers 429 over it before any function runs. HTTP APIs
    // have no per-client limits (no usage plans): the per-user quotas live in POST /uploads.
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
    const stage = this.httpApi.defaultStage?.node.defaultChild as apigwv2.CfnStage;
    stage.defaultRouteSettings = { throttlingRateLimit: props.throttling.rateLimit, throttlingBurstLimit: props.throttling.burstLimit };
  }

  get apiUrl(): string {
    return this.httpApi.apiEndpoint;
  }

  get uploadsUrl(): string {
    return `${this.httpApi.apiEndpoint}${UPLOADS_PATH}`;
  }
}
