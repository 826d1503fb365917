<?php
/**
 * puq-hestia: a WHMCS server module that provisions HestiaCP accounts through the puq-hestia bridge.
 *
 * Every module function signs the service's params and POSTs them to the bridge's /hooks/<action>; the bridge
 * talks to Hestia with its own configured key, so no Hestia credential lives in WHMCS.
 *
 * The signed string is timestamp + "." + raw body, and the body always names its action ("action": "<action>"):
 * the bridge refuses a body without it, so a signature made for one action cannot be replayed at another
 * action's URL (the bridge signs no path, so a reverse proxy may rewrite the prefix). The bridge acts only on
 * accounts this reseller created, never adopts a name that already exists at Hestia, and refuses reserved
 * names (admin, root, Hestia's own) and names with '_'; each refusal says why.
 *
 * WHMCS server fields (Setup > Products/Services > Servers):
 *   Hostname          the bridge's address, e.g. bridge.example.com (or a full https://... URL)
 *   Port / Secure     optional port; "Secure" means https (leave it ticked outside a test lab)
 *   Username          the reseller id configured in the bridge ([resellers.<id>])
 *   Password          the reseller's hook secret (the Access Hash field is used when Password is empty)
 */

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

use WHMCS\Database\Capsule;

const PUQHESTIA_TIMEOUT = 30;
// Only what the bridge reads is sent; server credentials and other client details stay in WHMCS.
const PUQHESTIA_FIELDS = ['serviceid', 'username', 'password', 'domain', 'configoption1', 'configoption2',
    'configoption3'];
const PUQHESTIA_CLIENT_FIELDS = ['email', 'firstname', 'lastname'];
// Actions that change something get an Idempotency-Key, so the one retry below can never act twice.
const PUQHESTIA_MUTATING = ['create_account', 'suspend_account', 'unsuspend_account', 'terminate_account',
    'change_password', 'change_package'];

function puqhestia_MetaData()
{
    return [
        'DisplayName' => 'HestiaCP (puq-hestia)',
        'APIVersion' => '1.1',
        'RequiresServer' => true,
        'DefaultNonSSLPort' => '5000',
        'DefaultSSLPort' => '443',
        'ServiceSingleSignOnLabel' => 'Log in to the FTP panel',
    ];
}

function puqhestia_ConfigOptions()
{
    return [
        'Package' => ['Type' => 'text', 'Size' => '25', 'Default' => 'default',
            'Description' => 'Hestia package for new accounts'],
        'Create web domain' => ['Type' => 'yesno', 'Default' => 'on',
            'Description' => "Add the service's domain as a web domain"],
        'FTP accounts' => ['Type' => 'text', 'Size' => '5', 'Default' => '',
            'Description' => "Most FTP users the customer may create; empty = the package's limit"],
    ];
}

function puqhestia_CreateAccount(array $params)
{
    return puqhestia_text(puqhestia_call($params, 'create_account'));
}

function puqhestia_SuspendAccount(array $params)
{
    return puqhestia_text(puqhestia_call($params, 'suspend_account'));
}

function puqhestia_UnsuspendAccount(array $params)
{
    return puqhestia_text(puqhestia_call($params, 'unsuspend_account'));
}

function puqhestia_TerminateAccount(array $params)
{
    return puqhestia_text(puqhestia_call($params, 'terminate_account'));
}

function puqhestia_ChangePassword(array $params)
{
    return puqhestia_text(puqhestia_call($params, 'change_password'));
}

function puqhestia_ChangePackage(array $params)
{
    return puqhestia_text(puqhestia_call($params, 'change_package'));
}

function puqhestia_TestConnection(array $params)
{
    $result = puqhestia_call($params, 'test_connection');
    return ['success' => $result['result'] === 'success', 'error' => $result['message'] ?? ''];
}

function puqhestia_UsageUpdate(array $params)
{
    $result = puqhestia_call($params, 'usage_update');
    if ($result['result'] !== 'success') {
        return $result['message'];
    }
    foreach ($result['accounts'] ?? [] as $account) {
        Capsule::table('tblhosting')
            ->where('server', $params['serverid'])
            ->where('username', $account['username'])
            ->update([
                'diskusage' => $account['disk_used_mb'],
                'disklimit' => $account['disk_limit_mb'] ?? 0,
                'bwusage' => $account['bandwidth_used_mb'],
                'bwlimit' => $account['bandwidth_limit_mb'] ?? 0,
                'lastupdate' => date('Y-m-d H:i:s'),
            ]);
    }
    return 'success';
}

function puqhestia_ServiceSingleSignOn(array $params)
{
    $result = puqhestia_call($params, 'single_sign_on');
    if ($result['result'] === 'success' && isset($result['redirectTo'])) {
        return ['success' => true, 'redirectTo' => $result['redirectTo']];
    }
    return ['success' => false, 'errorMsg' => $result['message'] ?? 'No login link was returned.'];
}

function puqhestia_ClientArea(array $params)
{
    // The button goes through WHMCS's own single sign-on route, which calls ServiceSingleSignOn above.
    $url = 'clientarea.php?action=productdetails&id=' . urlencode((string) $params['serviceid'])
        . '&dosinglesignon=1';
    return '<a class="btn btn-primary" href="' . htmlspecialchars($url, ENT_QUOTES) . '">'
        . 'Manage FTP accounts</a>';
}

/** The error text of a result, or "success" (what WHMCS expects from the account functions). */
function puqhestia_text(array $result)
{
    return $result['result'] === 'success' ? 'success' : ($result['message'] ?? 'Unknown error from the bridge.');
}

/** The bridge's base URL from the server's hostname, port and secure fields. */
function puqhestia_base_url(array $params)
{
    $host = trim((string) ($params['serverhostname'] ?? ''));
    if (strpos($host, '://') !== false) {
        return rtrim($host, '/');
    }
    $scheme = !empty($params['serversecure']) ? 'https' : 'http';
    $port = trim((string) ($params['serverport'] ?? ''));
    return $scheme . '://' . $host . ($port !== '' ? ':' . $port : '');
}

/** The params the bridge reads, and nothing else. */
function puqhestia_payload(array $params)
{
    $payload = array_intersect_key($params, array_flip(PUQHESTIA_FIELDS));
    $client = $params['clientsdetails'] ?? [];
    $payload['clientsdetails'] = array_intersect_key(is_array($client) ? $client : [],
        array_flip(PUQHESTIA_CLIENT_FIELDS));
    return $payload;
}

/** POST one signed action to the bridge and return its decoded result (never throws). */
function puqhestia_call(array $params, $action)
{
    $reseller = (string) ($params['serverusername'] ?? '');
    $secret = (string) (($params['serverpassword'] ?? '') !== '' ? $params['serverpassword']
        : ($params['serveraccesshash'] ?? ''));
    if (trim((string) ($params['serverhostname'] ?? '')) === '' || $reseller === '' || $secret === '') {
        return ['result' => 'error', 'message' => 'Set the bridge address (Hostname), the reseller id (Username) '
            . 'and the hook secret (Password) in the WHMCS server settings.'];
    }
    // The action (required by the bridge) and a nonce in the signed body bind the signature to this one call:
    // two calls in the same second never look like a replay of each other, and a signature cannot be moved to
    // another action.
    $payload = ['action' => $action, 'nonce' => bin2hex(random_bytes(12))] + puqhestia_payload($params);
    $body = json_encode($payload, JSON_UNESCAPED_SLASHES);
    $key = in_array($action, PUQHESTIA_MUTATING, true)
        ? hash('sha256', ($params['serviceid'] ?? '') . '|' . $action . '|' . bin2hex(random_bytes(8))) : null;
    $url = puqhestia_base_url($params) . '/hooks/' . $action;
    $reply = puqhestia_post($url, $reseller, $secret, $body, $key);
    if ($reply['error'] !== '' && $key !== null) {
        // One retry of a lost delivery: same body and key (the bridge answers it at most once), new signature.
        sleep(1);
        $reply = puqhestia_post($url, $reseller, $secret, $body, $key);
    }
    $result = puqhestia_decode($reply);
    $masked = json_decode($body, true);
    if (isset($masked['password'])) {
        $masked['password'] = '***';
    }
    if (function_exists('logModuleCall')) {
        logModuleCall('puqhestia', $action, $masked, $reply['body'], $result,
            array_filter([$secret, (string) ($params['password'] ?? '')]));
    }
    return $result;
}

/** What the signature covers: the timestamp, a dot and the raw body (which names its action). */
function puqhestia_signed_string($timestamp, $body)
{
    return $timestamp . '.' . $body;
}

/** One signed POST: ['status' => int, 'body' => string, 'error' => transport error or '']. */
function puqhestia_post($url, $reseller, $secret, $body, $key)
{
    $timestamp = (string) time();
    $headers = [
        'Content-Type: application/json',
        'X-Puq-Reseller: ' . $reseller,
        'X-Puq-Timestamp: ' . $timestamp,
        'X-Puq-Signature: sha256=' . hash_hmac('sha256', puqhestia_signed_string($timestamp, $body), $secret),
    ];
    if ($key !== null) {
        $headers[] = 'Idempotency-Key: ' . $key;
    }
    $curl = curl_init($url);
    curl_setopt_array($curl, [
        CURLOPT_POST => true,
        CURLOPT_POSTFIELDS => $body,
        CURLOPT_HTTPHEADER => $headers,
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_CONNECTTIMEOUT => 10,
        CURLOPT_TIMEOUT => PUQHESTIA_TIMEOUT,
        CURLOPT_SSL_VERIFYPEER => true,
        CURLOPT_SSL_VERIFYHOST => 2,
    ]);
    $response = curl_exec($curl);
    $reply = [
        'status' => (int) curl_getinfo($curl, CURLINFO_HTTP_CODE),
        'body' => $response === false ? '' : (string) $response,
        'error' => $response === false ? curl_error($curl) : '',
    ];
    curl_close($curl);
    return $reply;
}

/** The bridge's JSON result, or an error result that says what went wrong on the way. */
function puqhestia_decode(array $reply)
{
    if ($reply['error'] !== '') {
        return ['result' => 'error', 'message' => 'The bridge could not be reached: ' . $reply['error']];
    }
    $result = json_decode($reply['body'], true);
    if (!is_array($result) || !isset($result['result'])) {
        return ['result' => 'error', 'message' => 'The bridge answered HTTP ' . $reply['status']
            . ' without a result; check the Hostname field.'];
    }
    return $result;
}
