/*
 * memory.c - the vulkan executor's device memory: the choice of memory
 * type and the buffers (made, grown, freed). vk->allocated counts the
 * device memory in use, against GBENCH_VK_HEAP_LIMIT when that is set.
 *
 * The rule for reaching device memory from the host: map it only when it
 * is the host's own memory (host-visible, coherent and host-cached, as a
 * CPU device's is); device-local memory that is host-visible but not
 * cached (a discrete GPU's BAR window) goes through a copy into a
 * host-cached staging buffer, because reading it is a slow uncached read
 * across the bus.
 */
#include <string.h>

#include "gbench.h"
#include "vulkan/vk.h"

/* A memory type in `bits` with all of `need`, preferring `like`; -1 if none. */
static int gb_vk_mem_type(struct gb_vk *vk, uint32_t bits, VkMemoryPropertyFlags need,
			  VkMemoryPropertyFlags like)
{
	int fallback = -1;

	for (uint32_t i = 0; i < vk->mem.memoryTypeCount; i++) {
		VkMemoryPropertyFlags f = vk->mem.memoryTypes[i].propertyFlags;

		if (!(bits & (1u << i)) || (f & need) != need)
			continue;
		if ((f & like) == like)
			return (int)i;
		if (fallback < 0)
			fallback = (int)i;
	}
	return fallback;
}

/*
 * The device-local memory type on the largest heap: on a discrete GPU that
 * is VRAM, not the small host-visible BAR window that is device-local too.
 */
static int gb_vk_device_type(struct gb_vk *vk, uint32_t bits)
{
	int best = -1;
	VkDeviceSize best_heap = 0;

	for (uint32_t i = 0; i < vk->mem.memoryTypeCount; i++) {
		const VkMemoryType *t = &vk->mem.memoryTypes[i];
		VkDeviceSize heap = vk->mem.memoryHeaps[t->heapIndex].size;

		if (!(bits & (1u << i)) || !(t->propertyFlags & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT))
			continue;
		if (best < 0 || heap > best_heap) {
			best = (int)i;
			best_heap = heap;
		}
	}
	return best >= 0 ? best : gb_vk_mem_type(vk, bits, 0, 0);
}

void gb_vk_buf_free(struct gb_vk *vk, struct gb_vk_buf *b)
{
	if (b->buf)
		vk->api.vkDestroyBuffer(vk->dev, b->buf, NULL);
	if (b->mem) {
		vk->api.vkFreeMemory(vk->dev, b->mem, NULL);
		vk->allocated -= b->mem_size;
	}
	memset(b, 0, sizeof(*b));
}

/*
 * The staging memory type: host-visible and host-cached (reads back at
 * memory speed, not across the bus uncached), coherent if one is; else any
 * host-visible one. The caller flushes and invalidates a non-coherent one.
 */
static int gb_vk_staging_type(struct gb_vk *vk, uint32_t bits)
{
	const VkMemoryPropertyFlags v = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT,
				    c = VK_MEMORY_PROPERTY_HOST_CACHED_BIT,
				    h = VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
	int t = gb_vk_mem_type(vk, bits, v | c, v | c | h);

	return t >= 0 ? t : gb_vk_mem_type(vk, bits, v, v | h);
}

int gb_vk_buf_make(struct gb_vk *vk, struct gb_vk_buf *b, VkDeviceSize size, int host)
{
	const VkMemoryPropertyFlags hv = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
					 VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
	const VkMemoryPropertyFlags same = hv | VK_MEMORY_PROPERTY_HOST_CACHED_BIT;
	VkBufferCreateInfo bi = {
		.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
		.size = size,
		.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT |
			 (host ? 0 : VK_BUFFER_USAGE_STORAGE_BUFFER_BIT),
		.sharingMode = VK_SHARING_MODE_EXCLUSIVE,
	};
	VkMemoryRequirements req;
	VkMemoryAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO };
	int type, rc;

	memset(b, 0, sizeof(*b));
	GB_VK_TRY(vk, vk->api.vkCreateBuffer(vk->dev, &bi, NULL, &b->buf), "vkCreateBuffer");
	vk->api.vkGetBufferMemoryRequirements(vk->dev, b->buf, &req);
	if (host == GB_VK_MEM_STAGING)
		type = gb_vk_staging_type(vk, req.memoryTypeBits);
	else if (host)
		type = gb_vk_mem_type(vk, req.memoryTypeBits, hv, hv | VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
	else
		type = gb_vk_device_type(vk, req.memoryTypeBits);
	if (type < 0) {
		gb_vk_buf_free(vk, b);
		return gb_error("vulkan: no suitable memory type for a %s buffer",
				host ? "staging" : "device");
	}
	ai.allocationSize = req.size;
	ai.memoryTypeIndex = (uint32_t)type;
	if (vk->heap_limit && vk->allocated + req.size > vk->heap_limit)
		rc = VK_ERROR_OUT_OF_DEVICE_MEMORY;   /* GBENCH_VK_HEAP_LIMIT: a smaller device */
	else
		rc = vk->api.vkAllocateMemory(vk->dev, &ai, NULL, &b->mem);
	if (rc != VK_SUCCESS) {
		gb_vk_buf_free(vk, b);
		return gb_vk_fail(vk, (VkResult)rc, "vkAllocateMemory");
	}
	b->mem_size = req.size;
	vk->allocated += req.size;
	if ((rc = vk->api.vkBindBufferMemory(vk->dev, b->buf, b->mem, 0)) != VK_SUCCESS) {
		gb_vk_buf_free(vk, b);
		return gb_vk_fail(vk, (VkResult)rc, "vkBindBufferMemory");
	}
	b->size = size;
	b->coherent = (vk->mem.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT) != 0;
	if (host || (!vk->force_staging &&
		     (vk->mem.memoryTypes[type].propertyFlags & same) == same)) {
		if ((rc = vk->api.vkMapMemory(vk->dev, b->mem, 0, VK_WHOLE_SIZE, 0, &b->map)) !=
		    VK_SUCCESS) {
			gb_vk_buf_free(vk, b);
			return gb_vk_fail(vk, (VkResult)rc, "vkMapMemory");
		}
	}
	return 0;
}

/*
 * Grow b to at least `need` bytes (never shrinks; the new buffer is made
 * before the old one goes, so a failure leaves b as it was). *grown is set
 * when b changed.
 */
int gb_vk_buf_grow(struct gb_vk *vk, struct gb_vk_buf *b, VkDeviceSize need,
		   int host, int *grown)
{
	struct gb_vk_buf nb;
	VkDeviceSize size;
	int rc;

	if (b->buf && b->size >= need)
		return 0;
	size = b->size ? b->size : 4096;
	while (size < need)
		size *= 2;
	if ((rc = gb_vk_buf_make(vk, &nb, size, host)) < 0) {
		/* The doubled size may be what does not fit: try the exact one. */
		if (rc != GB_EXEC_ENOMEM || size == need ||
		    (rc = gb_vk_buf_make(vk, &nb, need, host)) < 0)
			return rc;
	}
	gb_vk_buf_free(vk, b);
	*b = nb;
	*grown = 1;
	return 0;
}

int gb_vk_buf_flush(struct gb_vk *vk, const struct gb_vk_buf *b)
{
	VkMappedMemoryRange r = {
		.sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE, .memory = b->mem, .size = VK_WHOLE_SIZE,
	};

	if (b->coherent || !b->map)
		return 0;
	GB_VK_TRY(vk, vk->api.vkFlushMappedMemoryRanges(vk->dev, 1, &r), "vkFlushMappedMemoryRanges");
	return 0;
}

int gb_vk_buf_invalidate(struct gb_vk *vk, const struct gb_vk_buf *b)
{
	VkMappedMemoryRange r = {
		.sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE, .memory = b->mem, .size = VK_WHOLE_SIZE,
	};

	if (b->coherent || !b->map)
		return 0;
	GB_VK_TRY(vk, vk->api.vkInvalidateMappedMemoryRanges(vk->dev, 1, &r),
		  "vkInvalidateMappedMemoryRanges");
	return 0;
}
