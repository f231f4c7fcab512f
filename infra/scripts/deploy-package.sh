#!/usr/bin/env sh
# Builds the deployable zip (`npm run package`: dist-package/spgq-functions.zip), deploys it to the
# function app and waits for /api/health. Run by `azd up` after provisioning (azure.yaml), with the
# deployment's outputs in the environment; can be run by hand with the same variables.
set -eu
: "${AZURE_RESOURCE_GROUP:?}" "${FUNCTION_APP_NAME:?}" "${FUNCTION_APP_HOST_NAME:?}"
npm ci
npm run package
az functionapp deployment source config-zip \
  --resource-group "$AZURE_RESOURCE_GROUP" --name "$FUNCTION_APP_NAME" \
  --src dist-package/spgq-functions.zip
node infra/scripts/smoke-health.mjs "https://$FUNCTION_APP_HOST_NAME" 900
