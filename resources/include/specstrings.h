/* NDIS Lab: SAL annotations live in sal.h. */
#include <sal.h>
