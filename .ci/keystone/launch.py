"""Serves Keystone's public WSGI application with waitress on 127.0.0.1:<port>.

Keystone parses the process's command line when it loads (oslo.config), so it cannot be started
by `waitress-serve` (the worker exits with code 2): this launcher clears `sys.argv` first.
Usage: python launch.py <config dir> <port>; the config dir holds keystone.conf.
"""

import os
import sys


def main() -> None:
    config_dir, port = sys.argv[1], int(sys.argv[2])
    os.environ["OS_KEYSTONE_CONFIG_DIR"] = config_dir
    os.environ["OS_KEYSTONE_CONFIG_FILES"] = "keystone.conf"
    sys.argv = sys.argv[:1]
    from keystone.server.wsgi import initialize_public_application
    import waitress

    app = initialize_public_application()
    waitress.serve(app, host="127.0.0.1", port=port, threads=4, _quiet=True)


if __name__ == "__main__":
    main()
