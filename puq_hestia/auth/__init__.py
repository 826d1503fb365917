"""Who is who: one-time single-sign-on links (sso), Hestia's login policy (policy), sessions that end (sessions).

No Flask here: the panel renders and this package decides. It may import the Hestia client
(``puq_hestia.hestia``), the store and ``puq_hestia.ftp``, never ``billing``, the panel or Flask.
"""
