/*
 * NDIS Lab - minimal C runtime linked into every driver module.
 * clang emits calls to memset/memcpy/memmove/memcmp for struct copies and
 * "= {0}" initialisers even with -nostdlib; RtlZeroMemory & co. map onto them.
 * Compiled WITHOUT sanitizers and with -fno-builtin so the loops below are not
 * turned back into calls to themselves.
 */
typedef __SIZE_TYPE__ size_t;
typedef __WCHAR_TYPE__ ndislab_wchar_t;

/*
 * Address 0 is ordinary memory in wasm, so a NULL buffer would be written silently. The runtime
 * reports it to the simulator instead, which stops the run at the driver line that made the call.
 */
__attribute__((import_module("ndis"), import_name("NdisLabCrtNullBuffer")))
void NdisLabCrtNullBuffer(const char *function, size_t count);

#define NDISLAB_CHECK(ptr, fn, count) \
    do { if ((count) != 0 && (ptr) == 0) NdisLabCrtNullBuffer(fn, count); } while (0)

void *memset(void *dest, int value, size_t count)
{
    unsigned char *d = (unsigned char *)dest;
    NDISLAB_CHECK(dest, "memset", count);
    while (count--) {
        *d++ = (unsigned char)value;
    }
    return dest;
}

void *memcpy(void *__restrict dest, const void *__restrict src, size_t count)
{
    unsigned char *d = (unsigned char *)dest;
    const unsigned char *s = (const unsigned char *)src;
    NDISLAB_CHECK(dest, "memcpy (destination)", count);
    NDISLAB_CHECK(src, "memcpy (source)", count);
    while (count--) {
        *d++ = *s++;
    }
    return dest;
}

void *memmove(void *dest, const void *src, size_t count)
{
    unsigned char *d = (unsigned char *)dest;
    const unsigned char *s = (const unsigned char *)src;
    NDISLAB_CHECK(dest, "memmove (destination)", count);
    NDISLAB_CHECK(src, "memmove (source)", count);
    if (d == s || count == 0) {
        return dest;
    }
    if (d < s) {
        while (count--) {
            *d++ = *s++;
        }
    } else {
        d += count;
        s += count;
        while (count--) {
            *--d = *--s;
        }
    }
    return dest;
}

int memcmp(const void *buf1, const void *buf2, size_t count)
{
    const unsigned char *a = (const unsigned char *)buf1;
    const unsigned char *b = (const unsigned char *)buf2;
    NDISLAB_CHECK(buf1, "memcmp", count);
    NDISLAB_CHECK(buf2, "memcmp", count);
    for (; count; count--, a++, b++) {
        if (*a != *b) {
            return (int)*a - (int)*b;
        }
    }
    return 0;
}

size_t strlen(const char *str)
{
    size_t n = 0;
    while (str[n]) {
        n++;
    }
    return n;
}

size_t wcslen(const ndislab_wchar_t *str)
{
    size_t n = 0;
    while (str[n]) {
        n++;
    }
    return n;
}
