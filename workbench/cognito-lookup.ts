import {
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';

/** Pool and client ids are random per creation, so everything finds them by name. */
export async function findUserPoolId(cognito: CognitoIdentityProviderClient, name: string): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await cognito.send(new ListUserPoolsCommand({ MaxResults: 60, ...(nextToken ? { NextToken: nextToken } : {}) }));
    const pool = page.UserPools?.find((candidate) => candidate.Name === name);
    if (pool?.Id) return pool.Id;
    nextToken = page.NextToken;
  } while (nextToken);
  return undefined;
}

export async function findUserPoolClientId(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  name: string,
): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await cognito.send(
      new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60, ...(nextToken ? { NextToken: nextToken } : {}) }),
    );
    const client = page.UserPoolClients?.find((candidate) => candidate.ClientName === name);
    if (client?.ClientId) return client.ClientId;
    nextToken = page.NextToken;
  } while (nextToken);
  return undefined;
}
