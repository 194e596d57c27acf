/* NDIS Lab: NET_PNP_EVENT and friends are declared in ndis/types.h. */
#include <ndis.h>
