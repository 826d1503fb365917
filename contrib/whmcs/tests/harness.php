<?php
/**
 * Test harness for the puqhestia WHMCS module: stands in for WHMCS, calls every module function with
 * WHMCS-shaped params against a running bridge, and prints one JSON document of what each call returned,
 * what was passed to logModuleCall and what would have been written to tblhosting.
 *
 *   php harness.php BRIDGE_URL RESELLER_ID SECRET USERNAME
 *
 * tests/provisioning/test_whmcs_php.py runs it against the panel app and the mock Hestia and checks both.
 */

namespace WHMCS\Database {
    /** Records Capsule::table(...)->where(...)->update(...) instead of writing to a database. */
    class Capsule
    {
        public static $updates = [];
        private $table;
        private $where = [];

        public static function table($name)
        {
            $query = new self();
            $query->table = $name;
            return $query;
        }

        public function where($column, $value)
        {
            $this->where[$column] = $value;
            return $this;
        }

        public function update(array $values)
        {
            self::$updates[] = ['table' => $this->table, 'where' => $this->where, 'values' => $values];
            return 1;
        }
    }
}

namespace {
    define('WHMCS', true);

    $GLOBALS['module_log'] = [];

    /** WHMCS's module log: the harness keeps every entry, with the listed secrets replaced as WHMCS does. */
    function logModuleCall($module, $action, $request, $response, $processed, array $replace = [])
    {
        $entry = json_encode([$module, $action, $request, $response, $processed], JSON_UNESCAPED_SLASHES);
        foreach ($replace as $secret) {
            $entry = str_replace($secret, '***', $entry);
        }
        $GLOBALS['module_log'][] = json_decode($entry, true);
    }

    require __DIR__ . '/../modules/servers/puqhestia/puqhestia.php';

    [$script, $bridge, $reseller, $secret, $username] = $argv + [null, null, null, null, 'phpdemo'];

    /** The params array WHMCS passes to a server module for one service. */
    function service_params($bridge, $reseller, $secret, $username, array $extra = [])
    {
        return array_merge([
            'serverid' => 7,
            'serverhostname' => $bridge,
            'serverusername' => $reseller,
            'serverpassword' => $secret,
            'serveraccesshash' => '',
            'serversecure' => false,
            'serviceid' => 1001,
            'userid' => 55,
            'domain' => $username . '.example',
            'username' => $username,
            'password' => 'Php-first-pass-2026',
            'configoption1' => 'default',
            'configoption2' => 'on',
            'clientsdetails' => ['email' => $username . '@example.com', 'firstname' => 'Pat', 'lastname' => 'Hache',
                'address1' => '1 Private Road', 'phonenumber' => '+1.5550100'],
        ], $extra);
    }

    $params = service_params($bridge, $reseller, $secret, $username);
    $results = [];
    $results['MetaData'] = puqhestia_MetaData();
    $results['ConfigOptions'] = array_keys(puqhestia_ConfigOptions());
    $results['TestConnection'] = puqhestia_TestConnection($params);
    $results['CreateAccount'] = puqhestia_CreateAccount($params);
    $results['CreateAccountAgain'] = puqhestia_CreateAccount($params);
    $results['SuspendAccount'] = puqhestia_SuspendAccount($params);
    $results['SuspendAccountAgain'] = puqhestia_SuspendAccount($params);
    $results['ChangePasswordWhileSuspended'] = puqhestia_ChangePassword(
        array_merge($params, ['password' => 'Php-second-pass-2026']));
    $results['UnsuspendAccount'] = puqhestia_UnsuspendAccount($params);
    $results['ChangePassword'] = puqhestia_ChangePassword(array_merge($params, ['password' => 'Php-second-pass-2026']));
    $results['ChangePackageMissing'] = puqhestia_ChangePackage(array_merge($params, ['configoption1' => 'gold']));
    $results['ChangePackage'] = puqhestia_ChangePackage(array_merge($params, ['configoption1' => 'small']));
    $results['UsageUpdate'] = puqhestia_UsageUpdate($params);
    $results['ServiceSingleSignOn'] = puqhestia_ServiceSingleSignOn($params);
    $results['ClientArea'] = puqhestia_ClientArea($params);
    $results['ForeignAccount'] = puqhestia_SuspendAccount(array_merge($params, ['username' => 'alice']));
    $results['WrongSecret'] = puqhestia_TestConnection(array_merge($params, ['serverpassword' => 'wrong-secret']));
    $results['NoServerFields'] = puqhestia_TestConnection(array_merge($params, ['serverusername' => '']));
    $results['CreateAdmin'] = puqhestia_CreateAccount(array_merge($params, ['username' => 'admin']));
    // A body signed without its action (as a careless billing system might) is refused before anything happens.
    $unbound = puqhestia_post(rtrim($bridge, '/') . '/hooks/terminate_account', $reseller, $secret,
        json_encode(['username' => $username, 'nonce' => bin2hex(random_bytes(8))]), null);
    $results['BodyWithoutAction'] = ['status' => $unbound['status'], 'result' => puqhestia_decode($unbound)];
    $results['TerminateAccount'] = puqhestia_TerminateAccount($params);
    $results['TerminateAccountAgain'] = puqhestia_TerminateAccount($params);

    echo json_encode([
        'results' => $results,
        'log' => $GLOBALS['module_log'],
        'updates' => WHMCS\Database\Capsule::$updates,
    ], JSON_UNESCAPED_SLASHES | JSON_PRETTY_PRINT), "\n";
}
