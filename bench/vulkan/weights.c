/*
 * weights.c - the vulkan executor's persistent operands (weights_upload,
 * weights_free): one device buffer holding the quantized rows as they are,
 * and one descriptor set (set 1) per range of rows a descriptor can bind.
 * The handle is owned by the caller from upload to free.
 */
#include <stdlib.h>
#include <string.h>

#include "gbench.h"
#include "vulkan/vk.h"

static uint32_t gb_gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return (uint32_t)a;
}

void gb_vk_weights_free(struct gb_executor *ex, void *handle)
{
	struct gb_vk *vk = ex->ctx;
	struct gb_vk_weights *w = handle;

	if (!w)
		return;
	if (vk && vk->dev) {
		vk->api.vkDeviceWaitIdle(vk->dev);
		if (w->pool)
			vk->api.vkDestroyDescriptorPool(vk->dev, w->pool, NULL);
		gb_vk_buf_free(vk, &w->buf);
	}
	free(w->sets);
	free(w);
}

/*
 * One device buffer holding the quantized bytes as they are, and one
 * descriptor set per range of rows a descriptor can bind: the ranges start
 * at offsets aligned to minStorageBufferOffsetAlignment and carry 4 bytes
 * past their last row (the shaders read unaligned words).
 */
int gb_vk_weights_upload(struct gb_executor *ex, const struct gb_weights *src, void **handle)
{
	struct gb_vk *vk = ex->ctx;
	struct gb_vk_weights *w;
	VkDeviceSize bytes, size, step;
	uint64_t rows_per;
	int rc = 0;

	*handle = NULL;
	if (vk->lost)
		return GB_EXEC_ELOST;
	if ((unsigned)src->quant >= GB_Q_COUNT || src->rows == 0 ||
	    src->row_bytes != gb_quant_row_bytes(src->quant, src->cols))
		return gb_error("vulkan: malformed weights (%u rows of %u, %zu bytes a row)",
				src->rows, src->cols, src->row_bytes);
	w = gb_xcalloc(1, sizeof(*w));
	w->magic = GB_VK_WEIGHTS_MAGIC;
	w->quant = src->quant;
	w->rows = src->rows;
	w->cols = src->cols;
	w->cols_padded = src->cols_padded;
	w->row_bytes = (uint32_t)src->row_bytes;
	bytes = (VkDeviceSize)src->rows * src->row_bytes;
	size = (bytes + 4 + 3) & ~(VkDeviceSize)3;
	/* Rows per descriptor range. */
	if (size <= vk->max_range) {
		rows_per = src->rows;
	} else {
		step = vk->align / gb_gcd(src->row_bytes, vk->align);
		/* ranges are rounded up to 4 bytes: stay 4 below a multiple of 4 */
		rows_per = ((vk->max_range & ~(VkDeviceSize)3) - 4) / src->row_bytes / step * step;
		if (rows_per == 0) {
			free(w);
			return gb_error("vulkan: a weight row of %zu bytes does not fit in "
					"maxStorageBufferRange (%llu)", src->row_bytes,
					(unsigned long long)vk->max_range);
		}
	}
	w->chunk_rows = (uint32_t)rows_per;
	w->nchunks = (uint32_t)((src->rows + rows_per - 1) / rows_per);
	if ((rc = gb_vk_buf_make(vk, &w->buf, size, 0)) < 0)
		goto fail;
	if (w->buf.map) {
		memcpy(w->buf.map, src->data, bytes);
	} else {
		struct gb_vk_buf st;
		VkBufferCopy region = { .size = bytes };

		if ((rc = gb_vk_buf_make(vk, &st, bytes, 1)) < 0)
			goto fail;
		memcpy(st.map, src->data, bytes);
		if ((rc = gb_vk_begin(vk)) == 0) {
			vk->api.vkCmdCopyBuffer(vk->cmd, st.buf, w->buf.buf, 1, &region);
			rc = gb_vk_submit_wait(vk);
		}
		gb_vk_buf_free(vk, &st);
		if (rc < 0)
			goto fail;
	}
	{
		VkDescriptorPoolSize ps = {
			.type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, .descriptorCount = w->nchunks,
		};
		VkDescriptorPoolCreateInfo dpi = {
			.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
			.maxSets = w->nchunks,
			.poolSizeCount = 1,
			.pPoolSizes = &ps,
		};
		VkDescriptorSetLayout *layouts = gb_xcalloc(w->nchunks, sizeof(*layouts));
		VkDescriptorSetAllocateInfo dai = {
			.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
			.descriptorSetCount = w->nchunks,
			.pSetLayouts = layouts,
		};
		VkResult r;

		for (uint32_t c = 0; c < w->nchunks; c++)
			layouts[c] = vk->dsl[1];
		w->sets = gb_xcalloc(w->nchunks, sizeof(*w->sets));
		r = vk->api.vkCreateDescriptorPool(vk->dev, &dpi, NULL, &w->pool);
		if (r == VK_SUCCESS) {
			dai.descriptorPool = w->pool;
			r = vk->api.vkAllocateDescriptorSets(vk->dev, &dai, w->sets);
		}
		free(layouts);
		if (r != VK_SUCCESS) {
			rc = gb_vk_fail(vk, r, "vkAllocateDescriptorSets");
			goto fail;
		}
	}
	for (uint32_t c = 0; c < w->nchunks; c++) {
		VkDeviceSize off = (VkDeviceSize)c * w->chunk_rows * w->row_bytes;
		VkDeviceSize range = ((VkDeviceSize)w->chunk_rows * w->row_bytes + 4 + 3) &
				     ~(VkDeviceSize)3;

		if (range > size - off)
			range = size - off;
		gb_vk_write_set(vk, w->sets[c], 0, w->buf.buf, off, range);
	}
	*handle = w;
	return 0;
fail:
	gb_vk_weights_free(ex, w);
	return rc < 0 ? rc : -1;
}
