// The admin key is every operator module's (partners, pull, tokens): it lives in the service kit.
export { ADMIN_API, ADMIN_API_KEY, ADMIN_API_KEY_FILE, AdminKeyGuard, loadAdminApiKey } from '@roamledger/service';
