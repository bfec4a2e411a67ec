/* datadir.h: where fedsim finds its shared files: the suites, the zone fixtures and the SUT
 * scripts of a checkout (relative to the working directory) or of an installed tree
 * (PREFIX/share/fedsim, found from the binary's own path, so any --prefix or DESTDIR works). */
#ifndef FEDSIM_DATADIR_H
#define FEDSIM_DATADIR_H

/*
 * The installed tree's share directory (PREFIX/share/fedsim, PREFIX being the parent of the
 * directory holding the running binary), or NULL when there is none (a build tree's binary).
 * Computed once; the string is static.
 */
const char *datadir_root(void);

/*
 * The default directory for zone files after the scenario's own: "dnsfixtures" when the working
 * directory has one (a checkout), else the installed tree's dnsfixtures, else "dnsfixtures"
 * (whose absence the zone lookup then reports). Static string.
 */
const char *datadir_fixtures(void);

/*
 * A suite given by name (`fedsim run --sut F seed`): for a NAME without '/' that is not a file or
 * directory here, the first of ./scenarios/NAME and the installed tree's scenarios/NAME that is
 * a directory, as an owned string; NULL if NAME is a path, exists, or names no suite.
 */
char *datadir_suite(const char *name);

/* The installed suites' names, space-separated, for error messages ("" when none); owned. */
char *datadir_suite_names(void);

#endif
