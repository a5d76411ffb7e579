<?php

declare(strict_types=1);

namespace Erp\ApiClient;

use Erp\ApiClient\Exception\ErpException;
use Erp\ApiClient\Internal\Handle;
use Erp\ApiClient\Internal\Native;

/** A batch submitted to run in the background. */
final class BatchHandle
{
    /** @internal use {@see Batch::submit()} */
    public function __construct(private readonly Handle $client, public readonly string $id)
    {
    }

    /** The batch id (`bat_...`). */
    public function id(): string
    {
        return $this->id;
    }

    /**
     * The batch's current state, fetched once (`status` is pending, processing, completed or failed).
     *
     * @throws ErpException
     */
    public function status(): BatchResult
    {
        return BatchResult::fromArray(Native::get()->call($this->client, ['op' => 'batch.status', 'id' => $this->id]));
    }

    /**
     * Polls until the batch is done (the core's growing interval, honouring `Retry-After`).
     *
     * @throws ErpException TimeoutException after 10 minutes
     */
    public function wait(): BatchResult
    {
        return BatchResult::fromArray(Native::get()->call($this->client, ['op' => 'batch.wait', 'id' => $this->id]));
    }
}
