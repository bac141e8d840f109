"""The pytest plugin, run on fresh test projects with pytest's own pytester."""

from nnspec.profiles import PROFILES

pytest_plugins = ["pytester"]


def test_bad_profile_name_is_a_usage_error(pytester):
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest_subprocess("--nnspec-profile", "nosuch")
    assert result.ret == 4  # pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown Hypothesis profile 'nosuch'*ci, dev, thorough*"])


def test_profile_is_loaded_and_shown_in_the_header(pytester):
    expected = PROFILES["thorough"]["max_examples"]
    pytester.makepyfile(
        "from hypothesis import settings\n"
        "def test_profile():\n"
        f"    assert settings().max_examples == {expected}\n"
    )
    result = pytester.runpytest_subprocess("--nnspec-profile", "thorough")
    result.stdout.fnmatch_lines(["nnspec: hypothesis profile thorough"])
    result.assert_outcomes(passed=1)
