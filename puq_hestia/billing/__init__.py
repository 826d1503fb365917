"""What resellers trigger: provisioning of Hestia accounts from a billing system (WHMCS first).

:mod:`.actions` says what each action asks Hestia and in which order, :mod:`.provisioning` wraps them as
WHMCS-style module functions that never raise, and :mod:`.whmcs` validates WHMCS's params. It may import
``puq_hestia.hestia``, ``puq_hestia.ftp``, ``puq_hestia.auth`` and the store, never the panel or Flask.
"""
