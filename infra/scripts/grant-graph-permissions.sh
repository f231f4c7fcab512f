#!/usr/bin/env bash
# Grants the function app's managed identity the Microsoft Graph application permissions listed in
# infra/entra/graph-permissions.json, and nothing else (run by a Privileged Role Administrator or
# Global Administrator: this is the admin consent). Re-running it skips what is already granted.
# Mail.Read and Mail.Send are NOT granted here: see infra/scripts/exchange-scope.ps1.
#
# Usage: infra/scripts/grant-graph-permissions.sh <app-identity-principal-id> [--with-attack-simulation]
#   <app-identity-principal-id>: the deployment output APP_IDENTITY_PRINCIPAL_ID.
set -euo pipefail
principal="${1:?managed identity principal (object) id}"
optional="${2:-}"
here="$(cd "$(dirname "$0")/.." && pwd)"
graph=https://graph.microsoft.com/v1.0
graph_sp="$(az ad sp show --id 00000003-0000-0000-c000-000000000000 --query id -o tsv)"

values="$(jq -r '.permissions[].value' "$here/entra/graph-permissions.json")"
if [ "$optional" = "--with-attack-simulation" ]; then
  values="$values"$'\n'"$(jq -r '.optional[].value' "$here/entra/graph-permissions.json")"
fi
granted="$(az rest --method GET --url "$graph/servicePrincipals/$principal/appRoleAssignments" --query 'value[].appRoleId' -o tsv)"
for value in $values; do
  role_id="$(az ad sp show --id 00000003-0000-0000-c000-000000000000 --query "appRoles[?value=='$value' && contains(allowedMemberTypes, 'Application')].id | [0]" -o tsv)"
  [ -n "$role_id" ] || { echo "Graph has no application permission $value" >&2; exit 1; }
  if grep -qx "$role_id" <<<"$granted"; then echo "= $value"; continue; fi
  az rest --method POST --url "$graph/servicePrincipals/$principal/appRoleAssignments" --headers Content-Type=application/json \
    --body "{\"principalId\":\"$principal\",\"resourceId\":\"$graph_sp\",\"appRoleId\":\"$role_id\"}" >/dev/null
  echo "+ $value"
done
