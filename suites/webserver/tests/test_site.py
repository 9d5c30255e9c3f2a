"""Run by pytest inside the instance; its JUnit report joins Galley's under the instance."""
import grp
import os
import pwd
import urllib.error
import urllib.request


def test_home_page_names_the_site():
    with urllib.request.urlopen("http://127.0.0.1/", timeout=5) as response:
        assert response.status == 200
        assert f"{os.environ['SITE_NAME']} is served by nginx" in response.read().decode()


def test_missing_page_is_404():
    try:
        urllib.request.urlopen("http://127.0.0.1/missing", timeout=5)
    except urllib.error.HTTPError as error:
        assert error.code == 404
    else:
        raise AssertionError("expected a 404")


def test_deploy_is_in_www_data():
    assert "deploy" in grp.getgrnam("www-data").gr_mem
    assert pwd.getpwnam("deploy").pw_shell == "/bin/bash"
