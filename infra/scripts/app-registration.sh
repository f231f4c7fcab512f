#!/usr/bin/env bash
# The Entra ID objects the deployment needs, as code (run by a Cloud Application Administrator;
# re-running it updates, never duplicates):
#   1. the API's app registration from infra/entra/api-app.json: app roles, the access_as_user
#      scope, v2 access tokens, the Teams clients pre-authorised, identifier URI
#      api://<app host>/<client id> (the Teams manifest's webApplicationInfo.resource);
#   2. its service principal (users are assigned app roles on it, in Entra ID > Enterprise apps);
#   3. the on-premises agent's app registration with a certificate credential (public part only:
#      the private key never leaves the agent's server) and its service principal.
# Prints the ids to give to the deployment (AUTH_CLIENT_ID, AGENT_PRINCIPAL_ID).
#
# Usage: infra/scripts/app-registration.sh <function-app-host-name> <agent-certificate.pem>
#   <function-app-host-name>: <prefix>-func-<suffix>.azurewebsites.net (output FUNCTION_APP_HOST_NAME
#   of a first deployment, or `az deployment group show ... --query properties.outputs`).
set -euo pipefail
host="${1:?function app host name}"
agent_cert="${2:?agent certificate (PEM, public part)}"
here="$(cd "$(dirname "$0")/.." && pwd)"
graph=https://graph.microsoft.com/v1.0

app_id_by_name() {
  az ad app list --display-name "$1" --query '[0].appId' -o tsv
}

# 1. The API.
api_name="$(jq -r .displayName "$here/entra/api-app.json")"
client_id="$(app_id_by_name "$api_name")"
if [ -z "$client_id" ]; then
  client_id="$(az ad app create --display-name "$api_name" --sign-in-audience AzureADMyOrg --query appId -o tsv)"
fi
object_id="$(az ad app show --id "$client_id" --query id -o tsv)"
# Pre-authorised clients must name an existing scope: set the scope first, then the rest.
jq '{api: {oauth2PermissionScopes: .api.oauth2PermissionScopes, requestedAccessTokenVersion: .api.requestedAccessTokenVersion}}' \
  "$here/entra/api-app.json" >/tmp/spgq-api-scope.json
az rest --method PATCH --url "$graph/applications/$object_id" --headers Content-Type=application/json --body @/tmp/spgq-api-scope.json
sed -e "s/{{AUTH_CLIENT_ID}}/$client_id/g" -e "s/{{APP_HOSTNAME}}/$host/g" "$here/entra/api-app.json" |
  jq 'del(."$comment")' >/tmp/spgq-api-app.json
az rest --method PATCH --url "$graph/applications/$object_id" --headers Content-Type=application/json --body @/tmp/spgq-api-app.json
az ad sp show --id "$client_id" >/dev/null 2>&1 || az ad sp create --id "$client_id" >/dev/null
# Only users assigned an app role get a token for the API.
api_sp="$(az ad sp show --id "$client_id" --query id -o tsv)"
az rest --method PATCH --url "$graph/servicePrincipals/$api_sp" --headers Content-Type=application/json --body '{"appRoleAssignmentRequired": true}'

# 3. The on-premises agent: an identity of its own with a certificate, no secret.
agent_name="SPGQ Relay Agent"
agent_id="$(app_id_by_name "$agent_name")"
if [ -z "$agent_id" ]; then
  agent_id="$(az ad app create --display-name "$agent_name" --sign-in-audience AzureADMyOrg --query appId -o tsv)"
fi
az ad app credential reset --id "$agent_id" --cert "@$agent_cert" --append >/dev/null
az ad sp show --id "$agent_id" >/dev/null 2>&1 || az ad sp create --id "$agent_id" >/dev/null
agent_sp="$(az ad sp show --id "$agent_id" --query id -o tsv)"

echo "AUTH_CLIENT_ID=$client_id"
echo "AGENT_CLIENT_ID=$agent_id"
echo "AGENT_PRINCIPAL_ID=$agent_sp"
