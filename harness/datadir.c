/* datadir.c: the shared files of a checkout or an installed tree (suites, fixtures, SUT
 * scripts), found relative to the working directory or to the running binary. */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datadir.h"
#include "xmalloc.h"

/* The path from the binary's directory to the share directory, from the install layout
 * (CMakeLists.txt: CMAKE_INSTALL_BINDIR to CMAKE_INSTALL_DATADIR/fedsim). */
#ifndef FEDSIM_BIN_TO_DATA
#define FEDSIM_BIN_TO_DATA "../share/fedsim"
#endif

static int
is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *
datadir_root(void)
{
    static int done;
    static char root[PATH_MAX];
    char exe[PATH_MAX], *slash, *candidate;
    ssize_t n;

    if (done)
        return root[0] != '\0' ? root : NULL;
    done = 1;
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    if ((slash = strrchr(exe, '/')) == NULL)
        return NULL;
    *slash = '\0';
    candidate = xasprintf("%s/%s", exe, FEDSIM_BIN_TO_DATA);
    /* A tree with suites, not any share/fedsim: a build directory has none. */
    if (is_dir(candidate) && realpath(candidate, root) != NULL) {
        char *scenarios = xasprintf("%s/scenarios", root);

        if (!is_dir(scenarios))
            root[0] = '\0';
        free(scenarios);
    }
    free(candidate);
    return root[0] != '\0' ? root : NULL;
}

const char *
datadir_fixtures(void)
{
    static char *fixtures;
    const char *root;

    if (fixtures != NULL)
        return fixtures;
    if (!is_dir("dnsfixtures") && (root = datadir_root()) != NULL)
        fixtures = xasprintf("%s/dnsfixtures", root);
    else
        fixtures = xstrdup("dnsfixtures");
    return fixtures;
}

char *
datadir_suite(const char *name)
{
    struct stat st;
    const char *root;
    char *path;

    if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0 || stat(name, &st) == 0)
        return NULL;
    path = xasprintf("scenarios/%s", name);
    if (is_dir(path))
        return path;
    free(path);
    if ((root = datadir_root()) == NULL)
        return NULL;
    path = xasprintf("%s/scenarios/%s", root, name);
    if (is_dir(path))
        return path;
    free(path);
    return NULL;
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *
datadir_suite_names(void)
{
    const char *root = datadir_root();
    char *dir, **names = NULL, *out;
    size_t n = 0, len = 1, i;
    struct dirent *de;
    DIR *d;

    if (root == NULL)
        return xstrdup("");
    dir = xasprintf("%s/scenarios", root);
    d = opendir(dir);
    while (d != NULL && (de = readdir(d)) != NULL) {
        char *sub;

        if (de->d_name[0] == '.')
            continue;
        sub = xasprintf("%s/%s", dir, de->d_name);
        if (is_dir(sub)) {
            names = xreallocarray(names, n + 1, sizeof(*names));
            names[n++] = xstrdup(de->d_name);
            len += strlen(de->d_name) + 1;
        }
        free(sub);
    }
    if (d != NULL)
        closedir(d);
    free(dir);
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp_names);
    out = xmalloc(len);
    out[0] = '\0';
    for (i = 0; i < n; i++) {
        if (i > 0)
            strcat(out, " ");
        strcat(out, names[i]);
        free(names[i]);
    }
    free(names);
    return out;
}
