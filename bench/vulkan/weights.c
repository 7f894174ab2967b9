/*
 * weights.c - the vulkan executor's persistent operands (weights_upload,
 * weights_free): one device buffer holding the quantized rows in the
 * device layout below, and one descriptor set (set 1) per range of rows a
 * descriptor can bind. The handle is owned by the caller from upload to free.
 *
 * Device layout (what shaders/quant.glsl reads), per row, every row
 * starting at a multiple of 16 bytes: f32 and f16 as in quant.h (kp values);
 * q8 the kp int8 codes, then the row's kp/32 f16 scales; q4 the kp/2 code
 * bytes (each block's 16 bytes as in quant.h), then the scales. The scales
 * are padded to 16 bytes. The codes are then 16-byte aligned, so a shader
 * reads them as uvec4 (quant.h's 34- and 18-byte blocks start at any even
 * byte, which forced unaligned word reads).
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

/* Bytes of one row in the device layout. */
static size_t gb_vk_dev_row_bytes(enum gb_quant q, uint32_t kp)
{
	size_t scales = ((size_t)kp / GB_QBLOCK * 2 + 15) & ~(size_t)15;

	switch (q) {
	case GB_Q_Q8:
		return kp + scales;
	case GB_Q_Q4:
		return (size_t)kp / 2 + scales;
	default:
		return gb_quant_row_bytes(q, kp);
	}
}

/* Row r of src into dst (dev_row bytes) in the device layout. */
static void gb_vk_repack_row(const struct gb_weights *src, uint32_t r, uint8_t *dst,
			     size_t dev_row)
{
	const uint8_t *row = (const uint8_t *)src->data + (size_t)r * src->row_bytes;
	uint32_t nb = src->cols_padded / GB_QBLOCK;
	size_t cb, bb;

	if (src->quant != GB_Q_Q8 && src->quant != GB_Q_Q4) {
		memcpy(dst, row, src->row_bytes);
		return;
	}
	bb = src->quant == GB_Q_Q8 ? GB_Q8_BLOCK_BYTES : GB_Q4_BLOCK_BYTES;
	cb = bb - 2;
	memset(dst, 0, dev_row);
	for (uint32_t b = 0; b < nb; b++) {
		const uint8_t *blk = row + b * bb;

		memcpy(dst + (size_t)b * cb, blk + 2, cb);
		memcpy(dst + (size_t)nb * cb + 2 * (size_t)b, blk, 2);
	}
}

/*
 * One device buffer holding the rows in the device layout, and one
 * descriptor set per range of rows a descriptor can bind: the ranges start
 * at offsets aligned to minStorageBufferOffsetAlignment and carry 4 bytes
 * past their last row (kept from the unaligned layout; harmless).
 */
int gb_vk_weights_upload(struct gb_executor *ex, const struct gb_weights *src, void **handle)
{
	struct gb_vk *vk = ex->ctx;
	struct gb_vk_weights *w;
	VkDeviceSize bytes, size, step;
	uint64_t rows_per;
	size_t dev_row;
	uint8_t *dst;
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
	dev_row = gb_vk_dev_row_bytes(src->quant, src->cols_padded);
	if (dev_row > UINT32_MAX / 2) {
		free(w);
		return gb_error("vulkan: a weight row of %u values is too long", src->cols);
	}
	w->row_bytes = (uint32_t)dev_row;
	bytes = (VkDeviceSize)src->rows * dev_row;
	size = (bytes + 4 + 3) & ~(VkDeviceSize)3;
	/* Rows per descriptor range. */
	if (size <= vk->max_range) {
		rows_per = src->rows;
	} else {
		step = vk->align / gb_gcd(dev_row, vk->align);
		/* ranges are rounded up to 4 bytes: stay 4 below a multiple of 4 */
		rows_per = ((vk->max_range & ~(VkDeviceSize)3) - 4) / dev_row / step * step;
		if (rows_per == 0) {
			free(w);
			return gb_error("vulkan: a weight row of %zu bytes does not fit in "
					"maxStorageBufferRange (%llu)", dev_row,
					(unsigned long long)vk->max_range);
		}
	}
	w->chunk_rows = (uint32_t)rows_per;
	w->nchunks = (uint32_t)((src->rows + rows_per - 1) / rows_per);
	if ((rc = gb_vk_buf_make(vk, &w->buf, size, 0)) < 0)
		goto fail;
	if (w->buf.map) {
		dst = w->buf.map;
		for (uint32_t r = 0; r < src->rows; r++)
			gb_vk_repack_row(src, r, dst + (size_t)r * dev_row, dev_row);
	} else {
		struct gb_vk_buf st;
		VkBufferCopy region = { .size = bytes };

		if ((rc = gb_vk_buf_make(vk, &st, bytes, 1)) < 0)
			goto fail;
		dst = st.map;
		for (uint32_t r = 0; r < src->rows; r++)
			gb_vk_repack_row(src, r, dst + (size_t)r * dev_row, dev_row);
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
